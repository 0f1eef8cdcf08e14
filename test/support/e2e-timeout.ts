// End-to-end tests spawn built processes and generate code.
jest.setTimeout(120_000);
