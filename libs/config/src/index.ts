export { ConfigError, describeConfig, loadConfig, loadConfigOrExit, type ConfigKeyDoc } from './load-config.js';
export { apiKeysConfig, commonConfig, costTimeZone, genAiContentConfig, metricsAccessConfig, otelConfig, envBoolean, envInt, envNumber, envPort, envSecret, redisTopologyCheck, type RedisHostPort } from './schema-pieces.js';
export {
  ConfigFileError,
  DEFAULT_MODELS_FILE,
  loadModelsFile,
  loadServedModels,
  modelPricing,
  priceTableOf,
  loadPricesFile,
  parsePricesFile,
  discoversUpstreamModels,
  type PricesFile,
  modelsFileSchema,
  parseModelsFile,
  simulatorFaultsSchema,
  type ModelSpec,
  type ModelsFile,
  type SimulatorFaults,
  type SimulatorProfile,
} from './models-file.js';
export { ApiKeyRegistry, presentedApiKey, sha256Hex, type ApiPrincipal } from './api-keys.js';
