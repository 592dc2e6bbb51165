export { createApp, type ValidatorDeps } from './app.ts';
export { loadValidatorConfig, inspectOptions, ValidatorConfigSchema, type ValidatorConfig } from './config.ts';
export { startValidator, type RunningValidator } from './server.ts';
export { validateFile, type FileValidation, type FileRules } from './domain/validate-file.ts';
export { validateUpload, type UploadVerdict } from './domain/validate-upload.ts';
