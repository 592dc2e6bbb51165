import type { Body } from './gateway-calls.ts';
import type { ServiceProcess } from './services.ts';

/** Every JSON line a service has logged so far, parsed (other output skipped). */
export function loggedEntries(service: ServiceProcess): Body[] {
  return service.output.flatMap((line) => {
    try {
      return [JSON.parse(line) as Body];
    } catch {
      return [];
    }
  });
}

/** The lines a service logged with this message. */
export function logged(service: ServiceProcess, msg: string): Body[] {
  return loggedEntries(service).filter((entry) => entry.msg === msg);
}
