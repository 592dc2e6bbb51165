export * from './dictionary.ts';
export * from './model.ts';
export * from './transfer-syntax.ts';
export * from './parse-part10.ts';
export * from './inspect-stream.ts';
export * from './element-values.ts';
export * from './character-set.ts';
export * from './uid.ts';
