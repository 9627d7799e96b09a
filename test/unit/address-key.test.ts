// addressKey(): the key a client address is counted under by the lockout and the account-change limit.
import { addressKey } from '../../src/accounts/credentials';

describe('addressKey()', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['2001:db8:1:2::5', '2001:0db8:0001:0002::/64'],
    ['2001:db8:1:2:ffff:4:5:6', '2001:0db8:0001:0002::/64'],
    ['2001:DB8:1:2::', '2001:0db8:0001:0002::/64'],
    ['fe80::1%eth0', 'fe80:0000:0000:0000::/64'],
    ['64:ff9b::1.2.3.4', '0064:ff9b:0000:0000::/64'],
    ['::1', '0000:0000:0000:0000::/64'],
    ['unknown', 'unknown'],
  ])('%s → %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
