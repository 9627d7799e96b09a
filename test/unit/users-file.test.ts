// A users file in either format: the project's JSON list, or the original's username:password[:role,role] lines.
import { parseUsersText } from '../../src/cli/users-file';

describe('parseUsersText', () => {
  it("reads the original's lines: plain passwords, hashes, roles, comments and blank lines", () => {
    const text = [
      '# users for the PoC',
      'alice:wonderland1:admin,ops',
      '',
      'bob:$scrypt$ln=15,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5',
      'carol:sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8:viewer',
      'dave:$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
      '  erin:pass  ',
    ].join('\r\n');
    expect(parseUsersText(text)).toEqual([
      { username: 'alice', password: 'wonderland1', roles: ['admin', 'ops'] },
      {
        username: 'bob',
        passwordHash: '$scrypt$ln=15,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5',
        roles: [],
      },
      {
        username: 'carol',
        passwordHash: 'sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
        roles: ['viewer'],
      },
      {
        username: 'dave',
        passwordHash: '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
        roles: [],
      },
      { username: 'erin', password: 'pass', roles: [] },
    ]);
  });

  it('reads a JSON list as before', () => {
    expect(parseUsersText('\uFEFF [{"username":"a","password":"b"}]')).toEqual([
      { username: 'a', password: 'b' },
    ]);
  });

  it.each([
    ['alice', /line 1: expected username:password/],
    ['# ok\n:nameless', /line 2: expected username:password/],
    ['alice:', /line 1: expected username:password/],
    ['[1, 2]', /must hold a JSON list of/],
    ['[not json', /JSON|Unexpected|Expected/],
  ])('refuses %j, naming the line', (text, message) => {
    expect(() => parseUsersText(text)).toThrow(message);
  });
});

describe('parseUsersText refuses a mistyped hash rather than take it for a password', () => {
  it.each([
    ['bob:SHA-256:5e88:admin', /line 1: "SHA-256:" starts a digest that is not one/],
    ['bob:sha256:5e88 :admin', /line 1: "sha256:" starts a digest that is not one/],
    ['bob:md5: 5f4d', /line 1: "md5:" starts a digest that is not one/],
    ['bob:pw:not a role', /line 1: "not a role" is not a role name/],
  ])('%j', (text, message) => {
    expect(() => parseUsersText(text)).toThrow(message);
  });
});
