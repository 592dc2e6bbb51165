import { runService } from '@dsv/common';
import { loadDescriptorConfig } from './config.ts';
import { startDescriptor } from './server.ts';

await runService('descriptor', () => startDescriptor(loadDescriptorConfig()));
