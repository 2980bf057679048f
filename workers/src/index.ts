export { buildWorkersAdmin, type WorkersAdmin, type WorkersAdminOptions } from "./admin";
export { SERVICE_QUEUES } from "./queues";
