import rootPackage from '../../../package.json' with { type: 'json' };

/**
 * The product's version, from the root package.json: the three services ship together, so they answer
 * one version (GET /health, /openapi.json). Imported, not read from disk at run time: esbuild inlines it
 * into each bundle, which then needs no package.json beside it.
 */
export const SERVICE_VERSION: string = rootPackage.version;
