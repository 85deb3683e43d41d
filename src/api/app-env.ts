/**
 * The Hono environment every router of the app shares.
 * @module
 */
export interface AppEnv {
  Variables: {
    /** Name of the API key that authorised this request (set when a valid key was presented). */
    apiKeyName: string;
    /** `X-Request-Id` of this request (hono's requestId middleware). */
    requestId: string;
  };
}
