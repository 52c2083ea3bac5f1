import { createHash } from 'node:crypto';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

const GROUP = Symbol.for('tidings.ResourceGroup');

/**
 * A construct that groups resources by what they build (the send queue with its consumer, the
 * schedules, SES receiving, …) without taking part in their CloudFormation logical ids.
 *
 * Most resources here carry fixed physical names (`tidings-<stage>-send`), so a new logical id
 * would make CloudFormation create a second resource of the same name before deleting the first,
 * which fails. In a {@link GroupedStack} a resource keeps the id it had before it moved into a
 * group; the stack refuses two resources that would then share one.
 */
export class ResourceGroup extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    Object.defineProperty(this, GROUP, { value: true });
  }

  /** Whether a construct is a resource group. */
  static isResourceGroup(construct: IConstruct): boolean {
    return (construct as unknown as Record<symbol, unknown>)[GROUP] === true;
  }
}

// CDK's own algorithm (aws-cdk-lib core, private `makeUniqueId`): path components without
// "Default", the human part without "Resource", and an MD5 hash of the path.
const HIDDEN_ID = 'Default';
const HIDDEN_FROM_HUMAN_ID = 'Resource';
const alphanumeric = (text: string): string => text.replace(/[^A-Za-z0-9]/g, '');

/** The logical id CDK gives a resource at these path components (below the stack). */
export function logicalIdFor(pathComponents: readonly string[]): string {
  const components = pathComponents.filter((component) => component !== HIDDEN_ID);
  if (components.length === 1) {
    const candidate = alphanumeric(components[0] ?? '');
    if (candidate.length <= 255) return candidate;
  }
  const hash = createHash('md5').update(components.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const component of components) {
    if (human.length === 0 || !human[human.length - 1]?.endsWith(component)) human.push(component);
  }
  return (
    human
      .filter((component) => component !== HIDDEN_FROM_HUMAN_ID)
      .map(alphanumeric)
      .join('')
      .slice(0, 240) + hash
  );
}

/** A stack whose logical ids skip {@link ResourceGroup}s in the construct path. */
export class GroupedStack extends Stack {
  private readonly allocated = new Map<string, string>();

  protected override allocateLogicalId(element: CfnElement): string {
    const scopes = element.node.scopes;
    const components = scopes
      .slice(scopes.indexOf(element.stack) + 1)
      .filter((scope) => !ResourceGroup.isResourceGroup(scope))
      .map((scope) => scope.node.id);
    const id = logicalIdFor(components);
    const holder = this.allocated.get(id);
    if (holder !== undefined && holder !== element.node.path) {
      throw new Error(`${element.node.path} and ${holder} would share the logical id ${id}`);
    }
    this.allocated.set(id, element.node.path);
    return id;
  }
}
