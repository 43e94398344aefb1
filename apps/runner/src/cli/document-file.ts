import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkJsonLimits, parseDocument, PROTO_KEY_MESSAGE, type PipelineDocument } from '@patchbay/core';
import { UsageError } from './command';

/** Reads a JSON file given on the command line; a missing or unparsable file is a usage error (exit 2, one line). */
export function readJsonFile(file: string, cwd: string): unknown {
  let text: string;
  try {
    text = readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
  let value: unknown;
  try {
    // A byte order mark (Notepad, PowerShell's Out-File) is no part of the JSON.
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  // Refused as the API refuses it: copied into a node's config, the key would set its prototype and vanish unseen.
  const protoKey = checkJsonLimits(value, { refuseProtoKey: true });
  if (protoKey?.kind === 'proto-key') throw new UsageError(`${file}: ${protoKey.path}: ${PROTO_KEY_MESSAGE}`);
  return value;
}

/** Reads a file that must at least be a pipeline document in shape (diff needs no more than that). */
export function readPipelineFile(file: string, cwd: string): PipelineDocument {
  const parsed = parseDocument(readJsonFile(file, cwd));
  if (!parsed.ok) {
    const first = parsed.problems[0];
    throw new UsageError(`${file} is not a pipeline document: ${first.path}: ${first.message}`);
  }
  return parsed.document;
}
