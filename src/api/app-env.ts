/**
 * The Hono environment every router of the app shares.
 * @module
 */
export interface AppEnv {
  Variables: {
    /** Name of the API key that authorised this request (write endpoints only). */
    apiKeyName: string;
  };
}
