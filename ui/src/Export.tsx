// Export what the current filter selects: HAR (GET /entries/har) and pcap of those
// entries' connections (GET /entries/pcap), as downloads from the hub.

import { exportUrl } from './replay';

/** Entries an export holds at most (the newest that match). */
export const EXPORT_LIMIT = 1000;

export function ExportButtons({ query }: { query: string }) {
  return (
    <span className="export">
      <a
        className="btn"
        href={exportUrl('har', query, EXPORT_LIMIT)}
        download="mizu.har"
        title={`Download the newest ${EXPORT_LIMIT} HTTP entries this filter selects as HAR 1.2`}
        data-testid="export-har"
      >
        HAR
      </a>
      <a
        className="btn"
        href={exportUrl('pcap', query, EXPORT_LIMIT)}
        download="mizu.pcapng"
        title="Download the packets of the connections behind the newest entries this filter selects (pcapng, for Wireshark)"
        data-testid="export-pcap"
      >
        pcap
      </a>
    </span>
  );
}
