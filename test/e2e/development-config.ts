import { loadConfig } from '../../src/config.js';

/**
 * The configuration of a browser test's server: GraphiQL and the demo page are development
 * conveniences, which NODE_ENV=test does not offer. A free port, the embedded database unless
 * MONGODB_URI names one.
 */
export const developmentConfig = () => loadConfig({ MONGODB_URI: process.env.MONGODB_URI, NODE_ENV: 'development', PORT: '0', LOG_LEVEL: 'silent' });
