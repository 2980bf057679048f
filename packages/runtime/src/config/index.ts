export { CONFIG_FILE_NAME, type ConfigFile, findConfigFile, readConfigFile } from "./configFile";
export { describeSection, maskSecrets, type OptionDescription } from "./describeConfig";
export { ConfigError, envVars, loadDotEnv, redactUrl } from "./envVars";
export { type ConfigOf, environment, type LoadConfigOptions, loadConfig } from "./loadConfig";
export { databaseSection, processSection, redisSection, serviceDatabaseUrl } from "./sharedSections";
export { type ConfigSection, constantCase, defineSection, envNameOf } from "./section";
