// Integration tests talk to real services; allow for a busy 2-core machine.
jest.setTimeout(30_000);
