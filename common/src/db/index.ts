export * from './open-database.ts';
export * from './group-commit.ts';
