import document from "../../docs/api/events-v1.openapi.json";
import { jsonResponse } from "../http/json";
import { getOnlyAction } from "../http/method-not-allowed";

// GET /api/v1/openapi.json: the events API's contract, public like any API reference (it holds no shop data).
export const loader = () => jsonResponse(document, { headers: { "Cache-Control": "public, max-age=300" } });

export const action = getOnlyAction;
