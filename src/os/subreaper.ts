// Who adopts orphans. Inside a container dinit is usually PID 1, and the
// kernel reparents every orphan to it. When it is not (docker run --init,
// Kubernetes shareProcessNamespace, or run from a shell), it asks the kernel
// to make it a "child subreaper" so orphans of its services come to it rather
// than to the real init — otherwise they could not be reaped nor terminated.

import { PR_SET_CHILD_SUBREAPER, libc } from './libc.js';

export function isPid1(): boolean {
  return process.pid === 1;
}

/** prctl(PR_SET_CHILD_SUBREAPER, 1). False on any failure (old kernel, no libc, no koffi); never throws. */
export function becomeSubreaper(): boolean {
  try {
    return libc().prctl(PR_SET_CHILD_SUBREAPER, 1) === 0;
  } catch {
    return false;
  }
}
