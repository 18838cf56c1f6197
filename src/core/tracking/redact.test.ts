import { redactText, redactUri } from './redact';

test('user and password leave a URI, the host and path stay', () => {
  expect(redactUri('http://ana:s3cret@mlflow.example.org:5000/')).toBe('http://***@mlflow.example.org:5000/');
  expect(redactUri('postgresql://ana:s3cret@db/mlflow')).toBe('postgresql://***@db/mlflow');
  expect(redactUri('https://tok3n@host')).toBe('https://***@host');
  expect(redactUri('http://127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
  expect(redactUri('sqlite:////home/ana/mlflow.db')).toBe('sqlite:////home/ana/mlflow.db');
});

test('credential query parameters are blanked, others kept', () => {
  expect(redactUri('mysql://db/mlflow?user=ana&password=s3cret&charset=utf8')).toBe('mysql://db/mlflow?user=ana&password=***&charset=utf8');
  expect(redactUri('http://h/x?token=abc#frag')).toBe('http://h/x?token=***#frag');
  expect(redactUri('s3://b/k?X-Amz-Signature=abc&x=1')).toBe('s3://b/k?X-Amz-Signature=***&x=1');
});

test('URIs inside text are redacted', () => {
  expect(redactText("tracking:\n  uri: 'http://ana:s3cret@host:5000' # mine\n")).toBe("tracking:\n  uri: 'http://***@host:5000' # mine\n");
});
