import { Anchor, List, Text } from '@mantine/core';
import { Link } from 'react-router';
import { parseChanges } from '../audit-changes';

const EXECUTION_ID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/;

/**
 * An audit entry's description, always as text: a `modified` entry's change list as "field: old → new"
 * lines (the raw text when it does not parse); the execution a `custom_run` entry names as a link.
 */
export function AuditDescription({ event, text }: { event: string; text: string }) {
  if (event === 'modified') {
    const changes = parseChanges(text);
    if (changes) {
      return (
        <List size="sm" spacing={2} aria-label="Changes">
          {changes.map((change, index) => (
            <List.Item key={`${change.field}-${index}`}>
              <Text span size="sm" fw={600}>
                {change.field}
              </Text>
              :{' '}
              <Text span size="sm" ff="monospace">
                {change.from}
              </Text>{' '}
              →{' '}
              <Text span size="sm" ff="monospace">
                {change.to}
              </Text>
            </List.Item>
          ))}
        </List>
      );
    }
  }
  const match = /execution/.test(text) ? EXECUTION_ID.exec(text) : null;
  if (!match) return <>{text}</>;
  return (
    <>
      {text.slice(0, match.index)}
      <Anchor component={Link} to={`/executions/${match[0]}`}>
        {match[0]}
      </Anchor>
      {text.slice(match.index + match[0].length)}
    </>
  );
}
