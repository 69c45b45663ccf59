// Key material for one test cluster: a CA, the apiserver's serving certificate, a client certificate the
// apiserver presents to the agent (its "kubelet"), the agent's serving certificate and the service-account
// signing key pair. Certificates come from openssl (Node's crypto cannot issue X.509 certificates); the
// service-account keys from Node's crypto. EC P-256 throughout: generated in milliseconds.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface ClusterCerts {
  caCert: string;
  caKey: string;
  /** PEM of the CA, for kubeconfigs and clients. */
  caPem: string;
  apiserverCert: string;
  apiserverKey: string;
  /** What the apiserver shows the agent when it fetches logs. */
  kubeletClientCert: string;
  kubeletClientKey: string;
  agentCert: string;
  agentKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

interface CertRequest {
  name: string;
  commonName: string;
  organization?: string;
  usage: 'serverAuth' | 'clientAuth';
  altNames?: string[];
}

const DAYS = '30';

/** Writes everything into `dir`. */
export function createClusterCerts(dir: string): ClusterCerts {
  const file = (name: string) => path.join(dir, name);
  const caCert = file('ca.crt');
  const caKey = file('ca.key');
  writeConfig(file('ca.cnf'), 'conveyor-test-ca', undefined, [
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
    'subjectKeyIdentifier = hash',
  ]);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-days',
    DAYS,
    '-config',
    file('ca.cnf'),
  ]);

  const issue = (request: CertRequest) => {
    const cert = file(`${request.name}.crt`);
    const key = file(`${request.name}.key`);
    const extensions = [
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage = ${request.usage}`,
      'authorityKeyIdentifier = keyid',
      ...(request.altNames ? [`subjectAltName = ${request.altNames.join(',')}`] : []),
    ];
    writeConfig(file(`${request.name}.cnf`), request.commonName, request.organization, extensions);
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      DAYS,
      '-config',
      file(`${request.name}.cnf`),
      '-CA',
      caCert,
      '-CAkey',
      caKey,
    ]);
    return { cert, key };
  };

  const apiserver = issue({
    name: 'apiserver',
    commonName: 'kube-apiserver',
    usage: 'serverAuth',
    // 10.0.0.1 is the `kubernetes` Service's cluster IP in --service-cluster-ip-range 10.0.0.0/24.
    altNames: [
      'IP:127.0.0.1',
      'IP:10.0.0.1',
      'DNS:localhost',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
    ],
  });
  const kubeletClient = issue({
    name: 'apiserver-kubelet-client',
    commonName: 'kube-apiserver-kubelet-client',
    organization: 'system:masters',
    usage: 'clientAuth',
  });
  const agent = issue({
    name: 'agent',
    commonName: 'conveyor-node',
    usage: 'serverAuth',
    altNames: ['IP:127.0.0.1', 'DNS:localhost', 'DNS:conveyor-node'],
  });

  // The apiserver signs service-account tokens with the private key and checks them with the public one;
  // the controller manager signs the tokens it puts into secrets with the same private key.
  const keys = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(file('sa.key'), keys.privateKey, { mode: 0o600 });
  writeFileSync(file('sa.pub'), keys.publicKey);

  return {
    caCert,
    caKey,
    caPem: readFileSync(caCert, 'utf8'),
    apiserverCert: apiserver.cert,
    apiserverKey: apiserver.key,
    kubeletClientCert: kubeletClient.cert,
    kubeletClientKey: kubeletClient.key,
    agentCert: agent.cert,
    agentKey: agent.key,
    serviceAccountKey: file('sa.key'),
    serviceAccountPub: file('sa.pub'),
  };
}

/** A config with only our extensions: openssl's default one would make every certificate a CA. */
function writeConfig(file: string, commonName: string, organization: string | undefined, extensions: string[]): void {
  const dn = [...(organization ? [`O = ${organization}`] : []), `CN = ${commonName}`];
  writeFileSync(
    file,
    ['[req]', 'distinguished_name = dn', 'x509_extensions = ext', 'prompt = no', '[dn]', ...dn, '[ext]', ...extensions, ''].join('\n'),
  );
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || (error as Error).message}`, { cause: error });
  }
}
