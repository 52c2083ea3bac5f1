import { AwsClient, type AwsClientConfig, type HttpAnswer, type ResponseMetadata } from './signed-call.js';

/**
 * `@aws-sdk/client-ses` in the functions' bundles (see signed-call.ts): SES v1's SendRawEmail over
 * its query protocol (a form in, XML out), the message base64-encoded as the SDK encodes it.
 */

interface RawEmailInput {
  RawMessage: { Data: Uint8Array | string };
  Source?: string;
  Destinations?: string[];
  ConfigurationSetName?: string;
  Tags?: { Name: string; Value: string }[];
  SourceArn?: string;
  FromArn?: string;
  ReturnPathArn?: string;
}

export class SendRawEmailCommand {
  constructor(readonly input: RawEmailInput) {}
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of an XML element's first occurrence, entities decoded. */
export function elementText(xml: string, element: string): string | undefined {
  const match = new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml);
  return match?.[1]?.replace(/&(amp|lt|gt|quot|apos|#x?[0-9a-f]+);/gi, (_, entity: string) => {
    if (entity[0] !== '#') return ENTITIES[entity.toLowerCase()] ?? '';
    const hexadecimal = entity[1]?.toLowerCase() === 'x';
    const digits = entity.slice(hexadecimal ? 2 : 1);
    const code =
      hexadecimal || /^\d+$/.test(digits) ? Number.parseInt(digits, hexadecimal ? 16 : 10) : Number.NaN;
    // A reference to no character (out of range, or not a number) reads as the replacement character.
    return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
  });
}

/** A query protocol's error answer: `<Error><Code>…</Code><Message>…</Message></Error>`. */
export function queryError(answer: HttpAnswer): { code: string; message: string } {
  const code = elementText(answer.body, 'Code') ?? '';
  return { code, message: elementText(answer.body, 'Message') ?? (code || `HTTP ${answer.status}`) };
}

/** The form SES's query protocol takes (lists as `Name.member.N`). */
export function rawEmailForm(input: RawEmailInput): URLSearchParams {
  const form = new URLSearchParams({ Action: 'SendRawEmail', Version: '2010-12-01' });
  const data = input.RawMessage.Data;
  // A view of the message's bytes, not a copy (a digest is about 100 KB).
  const bytes =
    typeof data === 'string'
      ? Buffer.from(data, 'utf8')
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  form.set('RawMessage.Data', bytes.toString('base64'));
  for (const field of ['Source', 'ConfigurationSetName', 'SourceArn', 'FromArn', 'ReturnPathArn'] as const) {
    const value = input[field];
    if (value !== undefined) form.set(field, value);
  }
  for (const [i, to] of (input.Destinations ?? []).entries()) form.set(`Destinations.member.${i + 1}`, to);
  for (const [i, tag] of (input.Tags ?? []).entries()) {
    form.set(`Tags.member.${i + 1}.Name`, tag.Name);
    form.set(`Tags.member.${i + 1}.Value`, tag.Value);
  }
  return form;
}

export class SESClient {
  private readonly client: AwsClient;

  constructor(config: AwsClientConfig = {}) {
    this.client = new AwsClient({ signingName: 'ses', endpointPrefix: 'email', envId: 'SES' }, config);
  }

  async send(command: SendRawEmailCommand): Promise<{ MessageId?: string; $metadata: ResponseMetadata }> {
    const { answer, $metadata } = await this.client.call(
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: rawEmailForm(command.input).toString(),
      },
      queryError,
    );
    const messageId = elementText(answer.body, 'MessageId');
    return { ...(messageId ? { MessageId: messageId } : {}), $metadata };
  }

  destroy(): void {}
}
