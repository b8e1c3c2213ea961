import { csvCell } from '../../lambdas/domain/csv.js';

test('a CSV cell: quoted with quotes doubled where needed; formula-like text defused; undefined empty', () => {
  expect(csvCell('plain.png')).toBe('plain.png');
  expect(csvCell('a,b/"x".png')).toBe('"a,b/""x"".png"');
  expect(csvCell('two\nlines')).toBe('"two\nlines"');
  expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
  expect(csvCell('@sum')).toBe("'@sum");
  expect(csvCell(12)).toBe('12');
  expect(csvCell(undefined)).toBe('');
});
