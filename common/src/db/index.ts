export * from './open-database.ts';
export * from './group-commit.ts';
export * from './wal-flush.ts';
