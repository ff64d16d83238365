// A second, independent MCP client: the official TypeScript SDK against a bot's MCP endpoint.
// usage: node mcp_client.mjs <endpoint url> <bearer token> <question>
// Prints one JSON object: the server's name, the tools, each tool's result, the resources and one read,
// or {"error": "..."} when the server refuses (exit code 0 either way: the caller judges).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, token, question] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: 'minirag-test-ts', version: '1.0.0' });
const out = {};
try {
  await client.connect(transport);
  out.server = client.getServerVersion();
  out.tools = (await client.listTools()).tools.map((t) => t.name).sort();
  out.search = await client.callTool({ name: 'search_knowledge', arguments: { query: question } });
  out.sources = await client.callTool({ name: 'list_sources', arguments: {} });
  out.ask = await client.callTool({ name: 'ask', arguments: { question } });
  out.resources = (await client.listResources()).resources;
  out.read = await client.readResource({ uri: out.resources[0].uri });
} catch (e) {
  out.error = String(e && e.message ? e.message : e);
} finally {
  await client.close().catch(() => {});
}
process.stdout.write(JSON.stringify(out));
