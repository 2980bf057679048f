export { type AccountsPrisma, createAccountsPrisma } from "./db";
export { buildAccountsServer, typeDefs } from "./server";
export { hashPassword } from "./auth/passwords";
export { createAccountsEventHandlers } from "./events/handlers";
export { eventService } from "./events/eventService";
export { type AccountsConfig, accountsSection, accountsSections, loadAccountsConfig } from "./config";
