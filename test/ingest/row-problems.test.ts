import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJobSettings } from '../../lambdas/platform/config.js';
import { ORDERS, rows, type SettingsScratch, settingsScratch } from './row-problems-fixture.js';

describe('row problems', () => {
  let t: SettingsScratch;
  beforeEach(() => {
    t = settingsScratch();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('rejects orders dated before their customer was acquired, naming the customers row', async () => {
    // Prepare: c2 was acquired 2024-03-01 23:30 at -02:00, i.e. 2024-03-02 UTC.
    const customers = t.s.file(
      'customers',
      'customers.csv',
      'customer_id,acquired_at\nc1,2024-03-01\nc2,2024-03-01T23:30:00-02:00\nc3,\n',
    );
    const orders = t.s.file(
      'orders',
      'orders.csv',
      [
        ORDERS,
        'o1,c1,2024-02-28,10,,,,,', // 1 before c1's acquisition
        'o2,c1,2024-03-01,20,,,,,', // 2 the acquisition day itself: kept
        'o3,c2,2024-03-01,30,,,,,', // 3 before c2's acquisition in UTC
        'o4,c3,2024-01-01,40,,,,,', // 4 c3 has no acquired_at: kept
        'o5,c9,2024-01-01,50,,,,,', // 5 no customers row: kept
        'o1,c1,2024-04-01,60,,,,,', // 6 same id as row 1, which was invalid: kept, not a duplicate
        'o7,c1,2024-01-01,oops,,,,,', // 7 already invalid: one reject (revenue), not two
      ].join('\n'),
    );

    // Act
    const { report, customers: summaries } = await t.load([customers, orders]);

    // Assess
    expect(rows(report)).toEqual([
      ['orders.csv', 1, 'order_date', 'before_acquisition'],
      ['orders.csv', 3, 'order_date', 'before_acquisition'],
      ['orders.csv', 7, 'revenue', 'not_a_number'],
    ]);
    const [first, second] = report.rejects;
    expect(first?.message).toBe(
      "order_date 2024-02-28 is before the customer's acquired_at 2024-03-01 (customers.csv row 1); an order cannot precede its customer's acquisition: fix acquired_at or the order",
    );
    expect(first?.value).toBe('2024-02-28');
    expect(second?.message).toContain('acquired_at 2024-03-02 (customers.csv row 2)');
    expect(report.datasets.orders).toEqual({ files: 1, rowsRead: 7, rowsAccepted: 4, rowsRejected: 3 });
    expect(summaries.map((c) => [c.customerId, c.orders, c.grossRevenue, c.acquiredAt])).toEqual([
      ['c1', 2, 20 + 60, '2024-03-01'],
      ['c3', 1, 40, '2024-01-01'],
      ['c9', 1, 50, '2024-01-01'],
    ]);
  });

  it('explains that a refund is not a negative revenue', async () => {
    // Prepare
    const orders = t.s.file('orders', 'orders.csv', `${ORDERS}\no1,c1,2024-03-01,-5,-2,,,,\n`);

    // Act
    const { report } = await t.load([orders]);

    // Assess
    expect(report.rejects.map((r) => [r.field, r.reason, r.message])).toEqual([
      [
        'revenue',
        'negative_amount',
        'revenue must be 0 or more: a refund is status=refunded with refund_amount, not a negative revenue',
      ],
      ['cost', 'negative_amount', 'cost must be 0 or more'],
    ]);
  });

  it('rejects amounts of 10^15 and more, and sums the rest exactly in any row order', async () => {
    // Prepare: 0.1 + 0.2 + 0.3 is 0.6000000000000001 left to right in doubles, 0.6 exactly.
    const lines = [
      'o1,c1,2024-03-01,0.1,,,,,',
      'o2,c1,2024-03-02,0.2,,,,,',
      'o3,c1,2024-03-03,0.3,,,,,',
      'o4,c2,2024-03-01,1e15,,,,,',
      'o5,c2,2024-03-02,999999999999999,,,,,',
    ];
    const forward = t.s.file('orders', 'forward.csv', [ORDERS, ...lines].join('\n'));
    const backward = t.s.file('orders', 'backward.csv', [ORDERS, ...lines.toReversed()].join('\n'));

    // Act
    const a = await t.load([forward]);
    const b = await t.load([backward]);

    // Assess
    expect(a.report.rejects.map((r) => [r.row, r.field, r.reason, r.message])).toEqual([
      [
        4,
        'revenue',
        'amount_too_large',
        'revenue must be below 10^15: a larger amount is a unit or format error',
      ],
    ]);
    const revenue = (r: typeof a) => r.customers.map((c) => [c.customerId, c.grossRevenue]);
    expect(revenue(a)).toEqual([
      ['c1', 0.6],
      ['c2', 999999999999999],
    ]);
    expect(revenue(b)).toEqual(revenue(a));
  });

  it('compares customer ids case-insensitively only when configured, in orders and customers alike', async () => {
    // Prepare: ids are trimmed in every case, so " abc " is always "abc".
    const orderLines = ['ABC', '" abc "', 'Abc', 'abc'].map(
      (id, i) => `o${i},${id},2024-03-0${i + 1},10,,,,,web`,
    );
    const orders = t.s.file('orders', 'orders.csv', [ORDERS, ...orderLines].join('\n'));
    const customers = t.s.file(
      'customers',
      'customers.csv',
      'customer_id,acquisition_channel\naBc,partner\nABC,referral\n',
    );
    const ids = async (idCase: string) => {
      const { report, customers: summaries } = await t.load([orders, customers], {
        customerIds: { case: idCase },
      });
      return {
        rejects: rows(report),
        customers: summaries.map((c) => [c.customerId, c.orders, c.acquisitionChannel]),
      };
    };

    // Act
    const preserve = await ids('preserve');
    const lower = await ids('lower');
    const upper = await ids('upper');

    // Assess
    expect(preserve).toEqual({
      rejects: [],
      customers: [
        ['ABC', 1, 'referral'],
        ['Abc', 1, 'web'],
        ['abc', 2, 'web'],
      ],
    });
    expect(lower).toEqual({
      rejects: [['customers.csv', 2, 'customer_id', 'duplicate_customer_id']],
      customers: [['abc', 4, 'partner']],
    });
    expect(upper.customers).toEqual([['ABC', 4, 'partner']]);
    expect(() => parseJobSettings({ customerIds: { case: 'fold' } })).toThrow(/customerIds\.case/);
  });

  it('rejects ids and segment values longer than 256 characters, counting characters, not bytes', async () => {
    // Prepare
    const at = (n: number, c = 'x'): string => c.repeat(n);
    const orders = t.s.file(
      'orders',
      'orders.csv',
      [
        ORDERS,
        `${at(256)},c1,2024-03-01,1,,,,,web`, // 1 at the limit: kept
        `${at(257)},c1,2024-03-01,1,,,,,web`, // 2 order_id too long
        `o3,${at(300, 'c')},2024-03-01,1,,,,,web`, // 3 customer_id too long
        `o4,c1,2024-03-01,1,,,,,${at(257, 'é')}`, // 4 channel: 257 characters (514 bytes)
        `o5,c1,2024-03-01,1,,,,,${at(200, '€')}`, // 5 channel: 200 characters (600 bytes): kept
      ].join('\n'),
    );
    const customers = t.s.file(
      'customers',
      'customers.csv',
      [
        'customer_id,acquisition_channel,country,notes',
        `c1,${at(257)},DE,`, // 1 acquisition_channel too long
        `c2,web,${at(257)},`, // 2 country is a segment dimension: too long
        `c3,web,FR,${at(1000)}`, // 3 notes is no dimension: any length is kept
      ].join('\n'),
    );

    // Act
    const { report } = await t.load([orders, customers], { segmentDimensions: ['country'] });

    // Assess
    expect(rows(report)).toEqual([
      ['orders.csv', 2, 'order_id', 'value_too_long'],
      ['orders.csv', 3, 'customer_id', 'value_too_long'],
      ['orders.csv', 4, 'channel', 'value_too_long'],
      ['customers.csv', 1, 'acquisition_channel', 'value_too_long'],
      ['customers.csv', 2, 'country', 'value_too_long'],
    ]);
    expect(report.rejects[2]?.message).toBe(
      'channel is 257 characters long; at most 256 are allowed (ids and segment values become DynamoDB keys)',
    );
    expect(report.rejects.map((r) => r.value?.length)).toEqual([200, 200, 200, 200, 200]);
    expect(report.datasets.orders).toEqual({ files: 1, rowsRead: 5, rowsAccepted: 2, rowsRejected: 3 });
    expect(report.datasets.customers).toEqual({ files: 1, rowsRead: 3, rowsAccepted: 1, rowsRejected: 2 });
  });

  it('rejects control characters and line separators in ids, channels and segment values', async () => {
    // Prepare: JSON escapes put any character into a value; blanks at either end are trimmed first.
    const order = (id: string, customer: string, channel: string) =>
      JSON.stringify({ order_id: id, customer_id: customer, order_date: '2024-03-01', revenue: 1, channel });
    const orders = t.s.file(
      'orders',
      'orders.jsonl',
      [
        order('\to1\n', 'c1', 'web'), // 1 trimmed: kept
        order('o\u00072', 'c1', 'web'), // 2 BEL in order_id
        order('o3', 'cé\t1', 'web'), // 3 tab inside customer_id
        order('o4', 'c1', 'web\u2028shop'), // 4 line separator in channel
        order('o5', 'c1', 'w\u0085eb'), // 5 C1 control (NEL)
        order('o6', 'c1', 'we\u007fb'), // 6 DEL
        order('o7', 'c1', '\u000bweb'), // 7 vertical tab is not trimmed
        order('o8', 'c1', 'web\u200b'), // 8 zero-width space is no control character: kept
        order('o9', 'c1', 'w\u0000eb'), // 9 NUL
      ].join('\n'),
    );
    const customers = t.s.file(
      'customers',
      'customers.jsonl',
      [
        JSON.stringify({ customer_id: 'c1', country: 'D\nE', notes: 'two\nlines' }), // 1 country rejected
        JSON.stringify({ customer_id: 'c2', country: 'FR', notes: 'two\nlines' }), // 2 notes: no dimension
      ].join('\n'),
    );

    // Act
    const { report, customers: summaries } = await t.load([orders, customers], {
      segmentDimensions: ['country'],
    });

    // Assess
    expect(report.rejects.map((r) => [r.file, r.row, r.field, r.reason, r.message.split(';')[0]])).toEqual([
      [
        'orders.jsonl',
        2,
        'order_id',
        'control_character',
        'order_id contains the control character U+0007 at position 2',
      ],
      [
        'orders.jsonl',
        3,
        'customer_id',
        'control_character',
        'customer_id contains the control character U+0009 at position 3',
      ],
      [
        'orders.jsonl',
        4,
        'channel',
        'control_character',
        'channel contains the control character U+2028 at position 4',
      ],
      [
        'orders.jsonl',
        5,
        'channel',
        'control_character',
        'channel contains the control character U+0085 at position 2',
      ],
      [
        'orders.jsonl',
        6,
        'channel',
        'control_character',
        'channel contains the control character U+007F at position 3',
      ],
      [
        'orders.jsonl',
        7,
        'channel',
        'control_character',
        'channel contains the control character U+000B at position 1',
      ],
      [
        'orders.jsonl',
        9,
        'channel',
        'control_character',
        'channel contains the control character U+0000 at position 2',
      ],
      [
        'customers.jsonl',
        1,
        'country',
        'control_character',
        'country contains the control character U+000A at position 2',
      ],
    ]);
    expect(report.rejects[0]?.value).toBe('o\u00072');
    expect(report.datasets.orders).toEqual({ files: 1, rowsRead: 9, rowsAccepted: 2, rowsRejected: 7 });
    expect(summaries.map((c) => [c.customerId, c.orders])).toEqual([['c1', 2]]);
  });

  it('covers what the older tests left out: impossible dates, overflow, unterminated quotes', async () => {
    // Prepare
    const orders = t.s.file(
      'orders',
      'orders.csv',
      [
        ORDERS,
        'o1,c1,2024-02-29,1,,,,,', // 1 leap day: kept
        'o2,c1,2023-02-29,1,,,,,', // 2 no such day
        'o3,c1,2024-04-31,1,,,,,', // 3 no such day
        'o4,c1,2024-03-01,1e400,,,,,', // 4 overflows a double
        'o5,c1,2024-03-01,-Infinity,,,,,', // 5 not finite (not "negative")
        'o6,c1,2024-03-01,1,,,,,"web', // 6 quote never closed: swallows the rest of the file
        'o7,c1,2024-03-01,1,,,,,',
      ].join('\n'),
    );

    // Act
    const { report } = await t.load([orders]);

    // Assess
    expect(rows(report)).toEqual([
      ['orders.csv', 2, 'order_date', 'bad_date'],
      ['orders.csv', 3, 'order_date', 'bad_date'],
      ['orders.csv', 4, 'revenue', 'not_finite'],
      ['orders.csv', 5, 'revenue', 'not_finite'],
      ['orders.csv', 6, null, 'malformed_row'],
    ]);
    expect(report.datasets.orders).toEqual({ files: 1, rowsRead: 6, rowsAccepted: 1, rowsRejected: 5 });
  });
});
