// Shapes of the hub API (docs/api.md, docs/entry.md).

export interface Proto {
  name: string;
  version: string;
  abbr: string;
  longName: string;
  macro: string;
  backgroundColor: string;
  foregroundColor: string;
  fontSize: number;
  referenceLink: string;
  ports: string[];
  priority: number;
}

export interface Endpoint {
  ip: string;
  port: string;
  name: string;
}

/** The list row, computed by the hub once at ingest. */
export interface BaseEntry {
  id: string;
  proto: Proto;
  capture: string;
  summary: string;
  summaryQuery: string;
  method: string;
  methodQuery: string;
  status: number;
  statusQuery: string;
  timestamp: number;
  src: Endpoint;
  dst: Endpoint;
  isOutgoing: boolean;
  latency: number;
  elapsedMicros: number;
  namespace: string;
  requestSize: number;
  responseSize: number;
  truncated?: boolean;
  gap?: boolean;
  node?: { name: string; ip?: string };
  /** How many diagnostics the full entry carries. */
  diagnostics?: number;
  /** Traffic validation rules that applied (short form; the full entry has the results). */
  rules?: RulesSummary;
}

export interface RulesSummary {
  /** False when a rule failed. */
  status: boolean;
  latency: number;
  numberOfRules: number;
}

export interface RuleResult {
  name: string;
  type: string;
  key?: string;
  value?: string;
  passed: boolean;
  reason: string;
}

export interface Meta {
  current: number;
  total: number;
  leftOff: string;
  matched: number;
  truncatedTimestamp: number;
  timedOut: boolean;
  noMoreData: boolean;
  direction: number;
  query?: string;
  error?: string;
  offset?: number;
  line?: number;
  column?: number;
}

export interface Body {
  mimeType?: string;
  text?: string;
  encoding?: string;
  size?: number;
  compression?: string;
  truncated?: boolean;
  params?: { name: string; value?: string; fileName?: string; contentType?: string }[];
}

/** The full entry (docs/entry.md); protocol-specific parts stay loosely typed. */
export interface Entry {
  id: string;
  protocol: { name: string; version: string; abbr: string };
  capture?: string;
  src: Endpoint;
  dst: Endpoint;
  namespace?: string;
  node?: { name: string; ip?: string };
  timestamp: number;
  startTime?: string;
  elapsedTime?: number;
  elapsedMicros?: number;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
  requestSize?: number;
  responseSize?: number;
  truncated?: boolean;
  gap?: boolean;
  diagnostics?: string[];
  rules?: RulesSummary & { results: RuleResult[] };
}

export interface AgentStatus {
  agent: string;
  node: string;
  remote: string;
  connected: boolean;
  packets: number;
  drops: number;
  entries: number;
  ingested: number;
  dropped: number;
  errors: number;
}

export interface HubStatus {
  version: string;
  agentsConnected: number;
  agents: AgentStatus[];
  store: {
    entries: number;
    bytes: number;
    budget: number;
    truncatedTimestamp: number;
    evicted: number;
    persistent: boolean;
  };
  wsClients: number;
}

export interface ValidateResult {
  valid: boolean;
  message?: string;
  offset?: number;
  line?: number;
  column?: number;
}
