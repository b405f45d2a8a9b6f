// Write real OTLP/JSON for 40 OpenAI chat calls with the OpenTelemetry JS SDK (see PROVENANCE.md).
//
// Run by regenerate.sh with the stub OpenAI server on 127.0.0.1:OPENAI_PORT and the stub
// collector on 127.0.0.1:COLLECTOR_PORT. GenAI spans and content log events come from
// @opentelemetry/instrumentation-openai (captureMessageContent on), HTTP client spans (one per
// attempt) from @opentelemetry/instrumentation-undici; both signals leave through the official
// OTLP/HTTP JSON exporters. Nothing here sets a GenAI attribute by hand.
// Usage: node gen_js.mjs OPENAI_PORT COLLECTOR_PORT
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The logs API lives in @opentelemetry/api from 1.10 on; the instrumentation takes its logger there.
const { context, logs, trace } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici');
const { defaultResource, resourceFromAttributes } = require('@opentelemetry/resources');
const { BatchLogRecordProcessor, LoggerProvider } = require('@opentelemetry/sdk-logs');
const { BatchSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');

const [openaiPort, collectorPort] = process.argv.slice(2);
const collector = `http://127.0.0.1:${collectorPort}`;

const SYSTEM_PROMPT =
  'You are the refund assistant of Example Shop. Answer in one sentence and never ' +
  'promise a refund outside the 30-day window.';
const NO_SYSTEM = new Set([10, 20, 30, 40]); // calls sent without a system prompt
const USERS = ['user-ana', 'user-ben', 'user-cleo'];

const resource = defaultResource().merge(
  resourceFromAttributes({ 'service.name': 'refund-assistant', 'deployment.environment.name': 'pilot' }),
);
// Small batches so the file holds several export requests (lines), as a Collector file does.
const batch = { maxExportBatchSize: 16, scheduledDelayMillis: 200 };
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracerProvider = new TracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${collector}/v1/traces` }), ...batch })],
});
trace.setGlobalTracerProvider(tracerProvider);
const loggerProvider = new LoggerProvider({
  resource,
  processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${collector}/v1/logs` }), ...batch })],
});
logs.setGlobalLoggerProvider(loggerProvider);

registerInstrumentations({
  instrumentations: [new OpenAIInstrumentation({ captureMessageContent: true }), new UndiciInstrumentation()],
});

const { OpenAI } = require('openai'); // after registration, so the instrumentation patches it
const client = new OpenAI({ baseURL: `http://127.0.0.1:${openaiPort}/v1`, apiKey: 'sk-stub-not-a-key', maxRetries: 2 });

for (let n = 1; n <= 40; n++) {
  const messages = [];
  if (!NO_SYSTEM.has(n)) messages.push({ role: 'system', content: SYSTEM_PROMPT });
  const nn = String(n).padStart(2, '0');
  messages.push({ role: 'user', content: `Case ${nn}: can I return order #${1000 + n} bought ${n} days ago?` });
  try {
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      temperature: 0.2,
      max_tokens: 200,
      user: USERS[n % 3],
    });
  } catch (err) {
    console.error(`case ${n}: ${err.constructor.name} ${err.status ?? ''}`);
  }
}

await tracerProvider.shutdown();
await loggerProvider.shutdown();
