// The Rules tab of the details pane: each traffic validation rule that applied to the
// entry (docs/rules.md), passed or failed, with the reason the hub gave.

import type { Entry } from './types';

export function RulesTab({ rules }: { rules: Entry['rules'] }) {
  if (!rules) return <p className="muted">No traffic validation rule applied to this entry.</p>;
  return (
    <div className="rules-tab" data-testid="rules-tab">
      <p className={rules.status ? 'rules-ok' : 'rules-failed'} data-testid="rules-status">
        {rules.status ? '✓ All rules passed' : '✗ A rule failed'} · {rules.numberOfRules} rule(s)
        {rules.latency > 0 ? ` · latency limit ${rules.latency} ms` : ''}
      </p>
      <table className="kv rules-table">
        <thead>
          <tr>
            <th>rule</th>
            <th>type</th>
            <th>key</th>
            <th>value</th>
            <th>result</th>
          </tr>
        </thead>
        <tbody>
          {rules.results.map((r, i) => (
            <tr key={`${r.name}-${i}`} className={r.passed ? 'rule-pass' : 'rule-fail'} data-testid="rule-row">
              <td>{r.name}</td>
              <td>{r.type}</td>
              <td>
                <code>{r.key ?? ''}</code>
              </td>
              <td>
                <code>{r.value ?? ''}</code>
              </td>
              <td>
                <b>{r.passed ? 'passed' : 'failed'}</b>: {r.reason}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
