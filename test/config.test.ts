import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('defaults to development on port 4000 with the embedded database', () => {
    expect(loadConfig({})).toEqual({
      environment: 'development',
      http: { host: '127.0.0.1', port: 4000 },
      database: { uri: undefined, name: 'creditstream' },
      logLevel: 'info',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ MONGODB_URI: '', PORT: '' }).database.uri).toBeUndefined();
  });

  it('refuses production without MONGODB_URI', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/MONGODB_URI is required when NODE_ENV=production/);
  });

  it('reports every problem at once and never echoes a secret-bearing URI', () => {
    const secretUri = 'postgres://admin:hunter2@db';
    let caught: unknown;
    try {
      loadConfig({ NODE_ENV: 'staging', PORT: 'eighty', MONGODB_URI: secretUri });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/NODE_ENV/);
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/MONGODB_URI must be a mongodb:\/\//);
    expect((caught as ConfigError).message).not.toContain('hunter2');
  });
});
