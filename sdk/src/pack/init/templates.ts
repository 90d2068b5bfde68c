/** The files `hearth-pack init` writes: a package that packs and runs as it is. */

export type Template = 'busybox' | 'debian';
export const TEMPLATES: readonly Template[] = ['busybox', 'debian'];

export interface TemplateInput {
  id: string;
  /** The vendored SDK tarball, relative to the package folder. */
  sdkTarball: string;
  sdkVersion: string;
}

/** The compiler options hearth-pack's type-check holds package code to; no @types: the code runs in hearth, not Node's global scope. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  },
  include: ['src'],
};

const BUSYBOX_INDEX = (id: string): string => `import { Daemons, defineManifest, healthChecks } from '@hearth/sdk';

export const manifest = defineManifest({
  id: '${id}',
  title: '${id}',
  version: '0.1.0',
  description: 'A web page served by busybox httpd',
  license: 'MIT',
  images: {
    // A busybox root filesystem, built into ./image by build-image.sh.
    main: { source: { type: 'directory', path: 'image' } },
  },
  volumes: ['data'],
  interfaces: {
    web: { name: 'Web page', port: 8080, protocol: 'http' },
  },
});

export const main = () =>
  Daemons.of(manifest).add('web', {
    image: 'main',
    command: ['httpd', '-f', '-v', '-p', '8080', '-h', '/www'],
    // A user from the image's /etc/passwd: the daemon needs no root.
    user: 'www-data',
    mounts: [{ volume: 'data', path: '/data' }],
    ready: healthChecks.http(8080, '/'),
  });
`;

const BUSYBOX_BUILD = `#!/usr/bin/env bash
# Builds the package's image: a busybox root filesystem with a web page, in ./image.
# Needs a static busybox (Debian: apt-get install busybox-static).
set -euo pipefail
cd "$(dirname "$0")"
busybox=\${BUSYBOX:-/bin/busybox}
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
  echo "build-image: $busybox is not a static busybox; apt-get install busybox-static" >&2
  exit 1
fi
rm -rf image.tmp
mkdir -p image.tmp/{bin,etc,www,data,tmp}
cp "$busybox" image.tmp/bin/busybox
for applet in sh httpd ls cat echo id ps; do ln -s busybox "image.tmp/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\\nwww-data:x:33:33:www:/www:/bin/false\\n' > image.tmp/etc/passwd
printf 'root:x:0:\\nwww-data:x:33:\\n' > image.tmp/etc/group
cp -r www/. image.tmp/www/
rm -rf image
mv image.tmp image
`;

const DEBIAN_INDEX = (id: string): string => `import { Daemons, defineManifest, healthChecks } from '@hearth/sdk';

export const manifest = defineManifest({
  id: '${id}',
  title: '${id}',
  version: '0.1.0',
  description: 'A web page served from a Debian image',
  license: 'MIT',
  images: {
    // Debian bookworm with busybox, built by debootstrap at pack time (as root); the page is
    // added on top, so editing it does not run debootstrap again.
    main: { source: { type: 'debootstrap', suite: 'bookworm', packages: ['busybox'] }, add: [{ from: 'www', to: '/srv/www' }] },
  },
  interfaces: {
    web: { name: 'Web page', port: 8080, protocol: 'http' },
  },
});

export const main = () =>
  Daemons.of(manifest).add('web', {
    image: 'main',
    command: ['busybox', 'httpd', '-f', '-v', '-p', '8080', '-h', '/srv/www'],
    user: 'www-data',
    ready: healthChecks.http(8080, '/'),
  });
`;

const PAGE = (id: string): string => `<!doctype html>
<html><head><title>${id}</title></head>
<body><h1>Hello from ${id}</h1><p>Packed with hearth-pack, running in hearth.</p></body></html>
`;

const README = (id: string, template: Template, sdkVersion: string): string => `# ${id}

A hearth package, made by \`hearth-pack init\` (${template} template).

| file | what it is |
|---|---|
| \`src/index.ts\` | the manifest (images, volumes, interfaces) and the daemons |
| \`www/\` | the web page the daemon serves |
${template === 'busybox' ? '| `build-image.sh` | builds the busybox image into `image/` |\n' : ''}| \`vendor/hearth-sdk-${sdkVersion}.tgz\` | \`@hearth/sdk\`, from the hearth that made this package; \`npm install\` installs it offline |

## Pack and run

\`\`\`sh
${template === 'busybox' ? 'bash build-image.sh                                  # the image, into ./image\n' : ''}hearth-pack keygen --out ~/.hearth/publisher.pem     # once: your publisher key
hearth-pack . --key ~/.hearth/publisher.pem --out ${id}.hpk${template === 'debian' ? '   # as root: debootstrap' : ''}
hearth-pack inspect ${id}.hpk                        # what will run, as which user
hearth trust add ~/.hearth/publisher.pem --name me   # on the host, once
hearth install ${id}.hpk
hearth start ${id}                                   # waits until ready, prints the URL
\`\`\`

The SDK guide (sdk/README.md in hearth) explains images, daemons, tasks, health checks and volumes.
To move to a newer hearth's SDK, run \`hearth-pack init\` in an empty folder and copy its \`vendor/\`
tarball and \`package.json\` dependency here, then \`npm install\`.
`;

const GITIGNORE = ['node_modules/', 'image/', 'image.tmp/', '.hearth-cache/', '*.hpk', ''].join('\n');

/** Every file of the template, by path relative to the package folder, with its mode. */
export function templateFiles(template: Template, input: TemplateInput): { path: string; content: string; mode?: number }[] {
  const { id, sdkTarball, sdkVersion } = input;
  const packageJson = {
    name: id,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: template === 'busybox' ? { 'build:image': 'bash build-image.sh' } : {},
    dependencies: { '@hearth/sdk': `file:${sdkTarball}` },
  };
  return [
    { path: 'package.json', content: `${JSON.stringify(packageJson, null, 2)}\n` },
    { path: 'tsconfig.json', content: `${JSON.stringify(TSCONFIG, null, 2)}\n` },
    { path: 'src/index.ts', content: template === 'busybox' ? BUSYBOX_INDEX(id) : DEBIAN_INDEX(id) },
    { path: 'www/index.html', content: PAGE(id) },
    ...(template === 'busybox' ? [{ path: 'build-image.sh', content: BUSYBOX_BUILD, mode: 0o755 }] : []),
    { path: 'README.md', content: README(id, template, sdkVersion) },
    { path: '.gitignore', content: GITIGNORE },
  ];
}
