// Fixed vectors for the bank channel, copied from
// shared/reference/channels.md §3 (UnionPay ACP and bank files).
//
// §3.1 gives the ACP 5.1.0 signMethod=01 construction but no signed example, so the signatures
// below were produced outside this code base, with OpenSSL, from the construction as written:
//   printf '%s' "$STRING_TO_SIGN" | sha256sum                      → digestHex
//   printf '%s' "$digestHex" | openssl dgst -sha256 -sign key.pem | base64 -w0  → signature
// RSA PKCS#1 v1.5 signatures are deterministic, so any correct implementation must reproduce them.
// The key pair is a throwaway test key made for these vectors; it signs nothing real.
//
// §3.2 gives a constructed 607-byte ZM line; it is copied byte for byte (trailing spaces kept).

export const ACP_TEST_PRIVATE_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDKMAESogbYsVpp
EgrhLwYBsUg8ezt8b7DxGsPkIaMmGzunZSaC9x9fhpmXc6hzShuIH4C/YULpW+Qq
PjuqOAJz4mC5UBu2mBFJ8yykN5Ar1LnArj3Syqq73j6J+PlVvPWuGbYS2CAnqE+I
NlVfiC3K5mGVNALCSJgXmxA6wIs84Fj4qelQlhR0K1iMcwyRzc70cVvyYzM9I4jJ
IXGoV3EXIklNKyLIPv9UN0uQD8zx7JJehKRJx9i2rrkrmrEpeZIko7Qh4Yl/o9W5
1i5ysAYbswzbhwIiTMak3zURsfyFrZIIzyEtfZGE1c/I7lCQzXQ4PeFhWa18DD0i
9GdKdUijAgMBAAECggEACXVlP3PNm5dXnu24psZjFgyVaaFSnzFZPW/em45u48P6
lPJFWUAdVOpmxtaJM8Ef3szc4lcdYO334EZvPR9uQfFkfzBxTQ5gVK2bHrpfGyXS
MMjiwuwEDVJ9NrArXeiMNI8mw0sedsYUpM8oTElPHYK/xh6b3tUaXfq9L7pwaRis
AYwO4pXKYG9GXgpqwGE5TFY959QgI1Z7sYzGZGX3LumLsyD5/c8VMqCEoIXGacGx
/ZFXCyHSGY7ehTMR0gtHEo51RW/xjmTh8IdR1Rgqp2Xbpz1k7npf1Twh1GGgh6m9
+owYW57iBFYRjtijt93jhfPUklnXJ65GKRFjdKX8mQKBgQDxFqYZxDHUJmB60hKT
ZNdXw+TzTbhDU+E5jFwM+po959fLPLzbT6A6gV0jLTcCahBkMWnlIS/GIgOHlb7G
gRRrIJeG843MQUpj1fgDl/MdvTfTkb3ao0cYamF077riw2yAhSbu7dZmbUbJs/8v
poRVoxzG1fOgIVHTiI7zlmIUywKBgQDWsWeZDaIzz2/vdkJynOU5j+0bBmA1TVBz
n6DZvQO7swZwjDynabN3vIXvnrlRPLoTTQgxOIDsiC4J5HuQuEB0AeyT/mwjYojg
wEAhwHo/DW+jX8I+MY0bXpL4eg1V4yncSvaZ/rh9w08sJdWjpjVML7LMn+v1kFDE
Fm4gJIt4iQKBgQClC/5WcWwzcrpmGt7ArS6HVQKuViypWwk7Xo2+DOn/K3MeHcyk
z1Q/+UQLyu535qimDvYR+LA+EhccgTWDq+aQmFVj++S9So1k35zUyPeVCm7nlkTF
IzaOznU9msj0aRkkuwM2WviGUpU9jM5MjtDV177hmKMaovTjvf8vX2pyFQKBgQCK
K86iwBV+BqjhklidbsBP1YMhe277nvCCGV/qAi2e5U7lrDt0+yAXlWsVli9qSwzu
UwtMsjK3B8WpdDTaJNrGTl61uG5cL5QsIU6k6j1CyyDoIj7ezAEmdi1cYSCn//T2
4//lh/uwZLxVi1v9YIC4sZH/A4VWmzR/nnftk9d3EQKBgG+1JmfPGxvFyr0nFcFE
gfP78bQmPeE9nIxW7VI6goiEyiurosGdYlKVmi0Z5aRgDqWWOJgtniAUmEF5c0IQ
fXapkku3l0uBOCG1lOupgxNky81ZoymMOMt84PAnnc8TH3ObM9z3jYEcx28vnfN3
lcyk2+BITAPSoOo8ohhu4vmS
-----END PRIVATE KEY-----
`;

export const ACP_TEST_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyjABEqIG2LFaaRIK4S8G
AbFIPHs7fG+w8RrD5CGjJhs7p2UmgvcfX4aZl3Ooc0obiB+Av2FC6VvkKj47qjgC
c+JguVAbtpgRSfMspDeQK9S5wK490sqqu94+ifj5Vbz1rhm2EtggJ6hPiDZVX4gt
yuZhlTQCwkiYF5sQOsCLPOBY+KnpUJYUdCtYjHMMkc3O9HFb8mMzPSOIySFxqFdx
FyJJTSsiyD7/VDdLkA/M8eySXoSkScfYtq65K5qxKXmSJKO0IeGJf6PVudYucrAG
G7MM24cCIkzGpN81EbH8ha2SCM8hLX2RhNXPyO5QkM10OD3hYVmtfAw9IvRnSnVI
owIDAQAB
-----END PUBLIC KEY-----
`;

/** The file-transfer request of channels.md §3.1 (txnType=76), with the merId of its zip example. */
export const ACP_FILE_TRANSFER_VECTOR = {
  fields: {
    version: "5.1.0",
    encoding: "UTF-8",
    signMethod: "01",
    txnType: "76",
    txnSubType: "01",
    bizType: "000000",
    accessType: "0",
    merId: "802310048993424",
    settleDate: "0905",
    txnTime: "20150905120000",
    fileType: "00",
    certId: "69629715588",
  },
  stringToSign:
    "accessType=0&bizType=000000&certId=69629715588&encoding=UTF-8&fileType=00&merId=802310048993424&settleDate=0905&signMethod=01&txnSubType=01&txnTime=20150905120000&txnType=76&version=5.1.0",
  digestHex: "15cd7239af4d25ee7bf0f6799feea1951bcbc32edd9e1a8438ea4efb9553c5f3",
  signature:
    "EYlzADbR38DO+zagWKWzm79OHbBYWT47SVNJRNkFe0+/KsZ+5bpyKc44z7VLit8lhoB/9Nux2IMlw0scvCkyPEbYnz+6WOTsefE4O9vrBt7FERlX85iOsMEfVzZ9IuCO9p2FpxgpGCpQujE/bvUE7JmYuQrm2+JKpTodpWAF9rx06BMmoeYlRRDOieJNzti0H2hEYvGJmE26N9KAcQlsOl7LBv7rc6TkEN018Fyg1wEltA5jM15QHWAR4f7a+oAdISs5mrolvcUFhn5MgF6PdZ6oCYMrv4gGQ2QSchyEPgfdYEU1xBhoB9VPvUrulq1IxhxxJIROusarvxLn6ZN9AQ==",
} as const;

/** A token consume with a braced value and Chinese text: the string is UTF-8 and braces are not special when signing. */
export const ACP_CONSUME_VECTOR = {
  fields: {
    version: "5.1.0",
    encoding: "UTF-8",
    signMethod: "01",
    txnType: "01",
    txnSubType: "01",
    bizType: "000902",
    channelType: "07",
    accessType: "0",
    merId: "802310048993424",
    orderId: "FP20240105000001",
    txnTime: "20240105120005",
    txnAmt: "1000",
    currencyCode: "156",
    orderDesc: "刷脸消费",
    tokenPayData: "{token=6235240000020757919&trId=62000000001}",
    certId: "69629715588",
  },
  stringToSign:
    "accessType=0&bizType=000902&certId=69629715588&channelType=07&currencyCode=156&encoding=UTF-8&merId=802310048993424&orderDesc=刷脸消费&orderId=FP20240105000001&signMethod=01&tokenPayData={token=6235240000020757919&trId=62000000001}&txnAmt=1000&txnSubType=01&txnTime=20240105120005&txnType=01&version=5.1.0",
  digestHex: "3dbdd17f270f03b3fa0741cc82c16321d10b867ac8bee0b2f97658e292fbb37c",
  signature:
    "VXS3LYy5UMuWHlbiyyRwTkQEWKYynOzC2mxpFzxlsJQe4eOE+1hKLvXSidoQwYD1Kf8z+Gn0WVNPDm0/v9xpMQ6oSRij6NfB2CWKjePJXn3rRl77QFMBjWjNYxkDGMT2BEclnbin8Vv20Ez/mUqNfjo55+7I/76Ip8dXqGMDCxJYUUm3+5REiv4MQkT15Nfk7v3MeHwIX0VR9d5ZAtnRIHRKHhNAzi+EJ0ReWHev5yZ0/0s/z20P6fapTOMh3AHhmqOMnn3EtqQ+JFpWwW/LCiiIws1Alml0YX++Y1UMgTQEzvycYslLc53KTDkhLM68WS2NY4brCErj9dskQY3ClQ==",
} as const;

/** channels.md §3.2, "Sample ZM line (constructed; 607 bytes …)". */
export const ZM_SAMPLE_LINE =
  "S22 00010000    00010000    123456 0105120005 6222********1234    000000001000 5331 07 512401051200051234567    FP20240105000001                 01                   D000000000038 C000000000962 0001                 01 01 000201 01                                                               898111453110001                                                                                T0000001                                                                                                                                                                                                                   ";

/** The sample line's fields as the §3.2 table places them (0-based byte offsets), trimmed. */
export const ZM_SAMPLE_FIELDS = {
  txnCode: "S22",
  acqInsCode: "00010000",
  sendInsCode: "00010000",
  traceNo: "123456",
  txnTime: "0105120005",
  payCardNo: "6222********1234",
  txnAmt: "000000001000",
  merCatCode: "5331",
  termType: "07",
  queryId: "512401051200051234567",
  orderId: "FP20240105000001",
  payCardType: "01",
  merFee: "D000000000038",
  settleAmt: "C000000000962",
  payType: "0001",
  txnType: "01",
  txnSubType: "01",
  bizType: "000201",
  accType: "01",
  merId: "898111453110001",
  termId: "T0000001",
} as const;
