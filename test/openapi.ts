/**
 * Validates requests and responses against the events API's OpenAPI document (docs/api/events-v1.openapi.json),
 * so the document cannot drift from what the route accepts and answers.
 */
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import document from "../docs/api/events-v1.openapi.json";

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(document, "openapi");

const pointer = (...parts: string[]) =>
  `openapi#/${parts.map((part) => part.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;

function check(ref: string, value: unknown): string[] {
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`the OpenAPI document has no schema at ${ref}`);
  return validate(value)
    ? []
    : (validate.errors ?? []).map((error) => `${error.instancePath || "(root)"} ${error.message}`);
}

export function requestBodyErrors(path: string, method: string, body: unknown): string[] {
  return check(pointer("paths", path, method, "requestBody", "content", "application/json", "schema"), body);
}

/** Errors of a response against the documented status, its JSON schema and its required headers. */
export async function responseErrors(path: string, method: string, response: Response): Promise<string[]> {
  const operation = (
    document.paths as Record<
      string,
      Record<
        string,
        { responses: Record<string, { content?: unknown; headers?: Record<string, { required?: boolean }> }> }
      >
    >
  )[path]?.[method];
  const documented = operation?.responses[String(response.status)];
  if (!documented) return [`status ${response.status} is not documented for ${method.toUpperCase()} ${path}`];
  const errors = Object.entries(documented.headers ?? {})
    .filter(([name, header]) => header.required && !response.headers.has(name))
    .map(([name]) => `header ${name} is required`);
  if (!documented.content) return errors;
  const body = await response.clone().json();
  return [
    ...errors,
    ...check(
      pointer("paths", path, method, "responses", String(response.status), "content", "application/json", "schema"),
      body,
    ),
  ];
}

export { document as eventsApiDocument };
