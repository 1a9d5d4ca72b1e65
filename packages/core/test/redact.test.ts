import { describe, expect, it } from 'vitest';
import { isSecretKey, redactConfig, redactText, redactUrl, rememberSecrets } from '@ferry/core';

describe('redaction', () => {
  it('knows secret keys in any spelling', () => {
    for (const k of [
      'password',
      'PASSWORD',
      'pasword',
      'passwd',
      'pwd',
      'db_password',
      'token',
      'access_token',
      'secret',
      'clientSecret',
      'apiKey',
      'api-key',
      'X-Api-Key',
      'key',
      'Authorization',
      'Proxy-Authorization',
      'Cookie',
      'credentials',
    ]) {
      expect(isSecretKey(k), k).toBe(true);
    }
    for (const k of ['url', 'username', 'user', 'table', 'columns', 'where', 'splitPk', 'headers', 'compress', 'format']) expect(isSecretKey(k), k).toBe(false);
  });

  it('masks URL passwords, also when the URL does not parse', () => {
    expect(redactUrl('mysql://u:p4ss@host:3306/db')).toBe('mysql://u:***@host:3306/db');
    expect(redactUrl('mysql://u:ngP@w@[::1:3307/db')).toBe('mysql://u:***@[::1:3307/db');
    expect(redactUrl('mysql://u:a/b?c@host/db')).toBe('mysql://u:***@host/db');
    expect(redactUrl('https://ghp_TOKEN@github.com/x')).toBe('https://***@github.com/x');
    expect(redactUrl('mysql://root@host/db')).toBe('mysql://root@host/db');
    expect(redactUrl('http://host/a/b.csv')).toBe('http://host/a/b.csv');
    expect(redactUrl('http://host:8080/x.csv?by=a@b.com')).toBe('http://host:8080/x.csv?by=a@b.com');
    expect(redactUrl('http://u:pw@host:8080/x.csv?by=a@b.com')).toBe('http://u:***@host:8080/x.csv?by=a@b.com');
  });

  it('masks secret query parameters, also in jdbc URLs', () => {
    expect(redactUrl('jdbc:mysql://h:3306/db?user=u&password=p&useSSL=true')).toBe('jdbc:mysql://h:3306/db?user=u&password=***&useSSL=true');
    expect(redactUrl('http://h/f.csv?access_token=abc&X-Amz-Signature=def&page=2')).toBe('http://h/f.csv?access_token=***&X-Amz-Signature=***&page=2');
    expect(redactUrl('jdbc:sqlserver://h;user=u;password=p')).toBe('jdbc:sqlserver://h;user=u;password=***');
  });

  it('masks URLs and auth headers inside free text', () => {
    expect(redactText('HTTP 404 Not Found for http://user:PASS@host/x.csv, retrying')).toBe('HTTP 404 Not Found for http://user:***@host/x.csv, retrying');
    expect(redactText('sent Authorization: Bearer abc.def and Cookie: a=b')).toBe('sent Authorization: *** and Cookie: ***');
  });

  it('remembers the secrets of a config, whatever their type, and masks them anywhere', () => {
    rememberSecrets({
      reader: { password: 98765432101, pasword: 'typoSecret1', headers: { Authorization: 'Basic ' + Buffer.from('me:basicPw99').toString('base64') }, url: 'mysql://u:url%40Pw77@h/db' },
    });
    expect(redactText('reader.password: expected a string, got 98765432101')).toBe('reader.password: expected a string, got ***');
    expect(redactText('typoSecret1 basicPw99 url@Pw77 url%40Pw77')).toBe('*** *** *** ***');
  });

  it('keeps ${env:NAME} references but remembers what they point to', () => {
    process.env.FERRY_TEST_REDACT_PW = 'fromEnvPw42';
    rememberSecrets({ password: '${env:FERRY_TEST_REDACT_PW}' });
    expect(redactText('login with fromEnvPw42 failed')).toBe('login with *** failed');
    expect(redactConfig({ password: '${env:FERRY_TEST_REDACT_PW}', port: 3306, token: 12345678 })).toEqual({ password: '${env:FERRY_TEST_REDACT_PW}', port: 3306, token: '***' });
  });
});
