export { seedSection, seedSections } from "./seed/seedConfig";
