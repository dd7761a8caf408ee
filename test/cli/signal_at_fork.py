#!/usr/bin/env python3
"""signal_at_fork.py TARGET SIGNAL TRIES STATUS STDERR [--same OUT EXPECTED] -- COMMAND...

Runs COMMAND TRIES times, each in a session of its own with every signal at
its default, and sends SIGNAL the instant its first child (a worker) exists:
to the whole process group (TARGET group) or to that child alone (TARGET
worker). This hits the window between a worker's fork and the moment it drops
the parent's signal handlers far more often than a shell loop can. Each try
must end with exit status STATUS (128 + N for a death by signal N, as a shell
reports it) and exactly STDERR on standard error ('' for nothing; '\\n' ends
lines), and with --same, file OUT must equal file EXPECTED. Exits 1 at the
first try that does not, saying how.
"""
import os
import signal
import subprocess
import sys


def first_child(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
            children = f.read().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def defaults():
    for number in range(1, signal.NSIG):
        try:
            signal.signal(number, signal.SIG_DFL)
        except (OSError, ValueError):
            pass


def main():
    args = sys.argv[1:]
    split = args.index('--')
    options, command = args[:split], args[split + 1:]
    target, name, tries, status, stderr = options[:5]
    same = options[6:8] if len(options) >= 8 and options[5] == '--same' else None
    number = getattr(signal, 'SIG' + name)
    expected_stderr = stderr.replace('\\n', '\n')
    for attempt in range(1, int(tries) + 1):
        job = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, preexec_fn=defaults, start_new_session=True)
        child = None
        while child is None and job.poll() is None:
            child = first_child(job.pid)
        if child is not None:
            try:
                if target == 'group':
                    os.killpg(job.pid, number)
                else:
                    os.kill(child, number)
            except OSError:
                pass
        try:
            _, err = job.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(job.pid, signal.SIGKILL)
            job.communicate()
            print('try %d: still running after 60 s' % attempt, file=sys.stderr)
            return 1
        got = job.returncode if job.returncode >= 0 else 128 - job.returncode
        problems = []
        if got != int(status):
            problems.append('exit status %d, expected %s' % (got, status))
        if err.decode(errors='replace') != expected_stderr:
            problems.append('standard error %r, expected %r' % (err.decode(errors='replace')[:300], expected_stderr))
        if same and got == 0:
            with open(same[0], 'rb') as a, open(same[1], 'rb') as b:
                if a.read() != b.read():
                    problems.append('%s differs from %s' % (same[0], same[1]))
        if problems:
            print('try %d of %s: %s' % (attempt, ' '.join(command), '; '.join(problems)), file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
