/**
 * Finds the resource and method a request path hits in an API's resource tree, the way
 * API Gateway ranks candidates at each level: a literal path part first, then a
 * `{param}`, then a greedy `{proxy+}` (one or more remaining segments). A branch that
 * leads nowhere, or to a resource without a matching method, falls back to the next
 * candidate. ANY answers every HTTP method the resource does not define explicitly.
 */
import type { ApiResource, Method } from './model';

export interface RouteMatch {
  resource: ApiResource;
  method: Method;
  /** Decoded path parameters; a `{proxy+}` gets the rest of the path, slashes included. */
  pathParameters: Record<string, string>;
}

function methodFor(resource: ApiResource, httpMethod: string): Method | undefined {
  return resource.methods.get(httpMethod) ?? resource.methods.get('ANY');
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// Literal parts rank before `{param}`, which ranks before `{proxy+}`.
const rank = (part: string) => (part.endsWith('+}') ? 2 : part.startsWith('{') ? 1 : 0);

function walk(
  node: ApiResource,
  segments: string[],
  httpMethod: string,
  params: Record<string, string>,
): RouteMatch | undefined {
  if (segments.length === 0) {
    const method = methodFor(node, httpMethod);
    return method ? { resource: node, method, pathParameters: params } : undefined;
  }
  const [head, ...rest] = segments as [string, ...string[]];
  const children = [...node.children].sort((a, b) => rank(a.pathPart) - rank(b.pathPart));
  for (const child of children) {
    const part = child.pathPart;
    if (part.endsWith('+}')) {
      const method = methodFor(child, httpMethod);
      const name = part.slice(1, -2);
      if (method) {
        return {
          resource: child,
          method,
          pathParameters: { ...params, [name]: segments.map(decode).join('/') },
        };
      }
    } else if (part.startsWith('{')) {
      const found = walk(child, rest, httpMethod, { ...params, [part.slice(1, -1)]: decode(head) });
      if (found) return found;
    } else if (part === decode(head)) {
      const found = walk(child, rest, httpMethod, params);
      if (found) return found;
    }
  }
  return undefined;
}

/** `path` is relative to the API (`/orders/o-1`); undefined means "Missing Authentication Token". */
export function route(root: ApiResource, httpMethod: string, path: string): RouteMatch | undefined {
  // API Gateway ignores a trailing slash; empty segments never match a path part.
  const segments = path.split('/').filter((s) => s !== '');
  return walk(root, segments, httpMethod, {});
}
