export { readEnvironment, type EnvironmentSettings } from './env.js';
export { checkConfigFile, ConfigError, type ConfigProblem, formatProblems, loadConfig } from './load.js';
export { configSchema, type OpsroomConfig, type OpsroomConfigInput } from './schema.js';
