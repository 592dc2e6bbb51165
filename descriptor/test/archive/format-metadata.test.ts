import { describe, expect, it } from 'vitest';
import { formatMetadata, type studyMetadata } from '../../src/archive/study-documents.ts';
import { formatJson, PRETTY_MAX_INSTANCES } from '../../src/domain/metadata/format-json.ts';

type Metadata = ReturnType<typeof studyMetadata>;

/** The document formatMetadata gives out in parts, whole. */
const whole = (metadata: Metadata, json: Map<string, string>): string => [...formatMetadata(metadata, json)].join('');

function metadataOf(count: number): Metadata {
  const instances = Array.from({ length: count }, (_, index) => ({
    file: `${String(index + 1).padStart(4, '0')}.dcm`,
    path: `originals/1.2.3.${index}.dcm`,
    sizeBytes: 1000 + index,
    sha256: index.toString(16).padStart(64, '0'),
    deliveryId: `01J${index}`,
    SeriesInstanceUID: '1.2.3',
    SOPInstanceUID: `1.2.3.${index}`,
    InstanceNumber: index + 1,
    ImageComments: index % 7 === 0 ? 'a "quoted" value\twith a tab' : null,
  }));
  return {
    schemaVersion: 3,
    studyId: '1.2.3',
    summary: { numberOfInstances: count },
    series: [{ SeriesInstanceUID: '1.2.3', numberOfInstances: count }],
    instances,
    state: 'receiving',
    deliveries: instances.map((instance) => instance.deliveryId),
  } as unknown as Metadata;
}

describe('formatMetadata', () => {
  it('when the study is small, then it is the pretty document formatJson writes', () => {
    const metadata = metadataOf(PRETTY_MAX_INSTANCES);
    expect(whole(metadata, new Map())).toBe(formatJson(metadata, PRETTY_MAX_INSTANCES));
  });

  it('when the study is large, then it is byte for byte the compact document, also when it grows with entries kept from before', () => {
    const json = new Map<string, string>();
    const first = metadataOf(PRETTY_MAX_INSTANCES + 20);
    expect(whole(first, json)).toBe(formatJson(first, first.instances.length));
    expect(json.size).toBe(first.instances.length);
    const grown = metadataOf(PRETTY_MAX_INSTANCES + 35);
    const text = whole(grown, json);
    expect(text).toBe(formatJson(grown, grown.instances.length));
    expect(JSON.parse(text).instances).toHaveLength(PRETTY_MAX_INSTANCES + 35);
  });

  it('when the study has more instances than go in one part, then the parts join into the one document, a part at most 256 instances', () => {
    const json = new Map<string, string>();
    const large = metadataOf(1000);
    const parts = [...formatMetadata(large, json)];
    expect(parts.join('')).toBe(formatJson(large, large.instances.length));
    // The head and the tail of the document, and the instances 256 at a time.
    expect(parts).toHaveLength(2 + Math.ceil(1000 / 256));
  });

  it('when an instance moved (another path), then its entry is serialised again', () => {
    const json = new Map<string, string>();
    const before = metadataOf(PRETTY_MAX_INSTANCES + 1);
    whole(before, json);
    const after = metadataOf(PRETTY_MAX_INSTANCES + 1);
    (after.instances[0] as { path: string }).path = 'original.dcm';
    expect(whole(after, json)).toBe(formatJson(after, after.instances.length));
  });
});
