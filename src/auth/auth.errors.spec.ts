import { bearerChallenge, InvalidTokenException, INVALID_TOKEN_MESSAGE, rejectionOf } from './auth.errors.js';

describe('token rejections', () => {
  it('maps jsonwebtoken and passport-jwt failures to a reason', () => {
    const expired = Object.assign(new Error('jwt expired'), { name: 'TokenExpiredError' });
    expect(rejectionOf(expired)).toBe('expired');
    expect(rejectionOf(new Error('No auth token'))).toBe('missing');
    expect(rejectionOf(new Error('invalid signature'))).toBe('bad signature');
    expect(rejectionOf(new Error('jwt malformed'))).toBe('malformed');
    expect(rejectionOf(new Error('jwt audience invalid. expected: cronwarden-api'))).toBe('malformed');
    expect(rejectionOf(undefined)).toBe('malformed');
  });

  it('challenges per RFC 6750: bare Bearer without a token, invalid_token with the reason otherwise', () => {
    expect(bearerChallenge('missing')).toBe('Bearer');
    expect(bearerChallenge('expired')).toBe('Bearer error="invalid_token", error_description="expired"');
    const exception = new InvalidTokenException('bad signature');
    expect(exception.getStatus()).toBe(401);
    expect(exception.getResponse()).toEqual({ statusCode: 401, message: INVALID_TOKEN_MESSAGE, error: 'Unauthorized' });
    expect(exception.challenge()).toBe('Bearer error="invalid_token", error_description="bad signature"');
  });
});
