export { RetryableError, withRetry, type RetryPolicy } from '@dsv/common';
