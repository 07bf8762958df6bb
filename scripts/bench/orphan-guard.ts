/**
 * Preloaded into every child of the benchmark (`node --import`): when the benchmark's IPC
 * channel closes (it exited, or was killed), the child ends too, through its own SIGTERM handling.
 */
if (process.send) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
