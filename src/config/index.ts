export { type EnvironmentSettings, readEnvironment } from './env.js';
export { ConfigError, type ConfigProblem, checkConfigFile, formatProblems, loadConfig } from './load.js';
export { configSchema, type OpsroomConfig, type OpsroomConfigInput } from './schema.js';
