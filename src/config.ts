import { z } from 'zod';

/**
 * The one place that reads the environment. Everything else receives a `Config`.
 * Every problem is reported at once, so an operator fixes a broken deployment in one go.
 */
const EnvironmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
    MONGODB_URI: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// connection string')
      .optional(),
    MONGODB_DB_NAME: z.string().min(1).default('creditstream'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.MONGODB_URI) {
      ctx.addIssue({
        code: 'custom',
        path: ['MONGODB_URI'],
        message:
          'is required when NODE_ENV=production: the embedded database is for development and tests only',
      });
    }
  });

export type Config = {
  readonly environment: 'development' | 'test' | 'production';
  readonly http: { readonly host: string; readonly port: number };
  readonly database: {
    /** `undefined` selects the embedded, in-memory database (development and tests only). */
    readonly uri: string | undefined;
    readonly name: string;
  };
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "unset": `MONGODB_URI= npm start` must pick the embedded database.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = EnvironmentSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`),
    );
  }
  const values = parsed.data;
  return {
    environment: values.NODE_ENV,
    http: { host: values.HOST, port: values.PORT },
    database: { uri: values.MONGODB_URI, name: values.MONGODB_DB_NAME },
    logLevel: values.LOG_LEVEL,
  };
}
