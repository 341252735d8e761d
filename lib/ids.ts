/**
 * The ERP pads its numbers with zeros (orders to 12, numeric materials to 18 characters); the MES and
 * the graph use them bare, so `000001000045` and `1000045` are one order. One zero is kept for `0`.
 */
export function stripLeadingZeros(digits: string): string {
  return digits.replace(/^0+(?=\d)/, '');
}
