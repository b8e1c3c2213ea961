import { textPdf } from './test/adapters/local/metadata/pdf-fixture.js';
import { extractText, getDocumentProxy } from 'unpdf';
const bytes = textPdf(['Batch ID: LS-2031', 'Sulfur loading: 70 wt%', 'Carbon host: Ketjen black', 'Target porosity: 45 %', 'Particle size: 2.5 µm']);
const pdf = await getDocumentProxy(new Uint8Array(bytes));
console.log(JSON.stringify((await extractText(pdf, { mergePages: true })).text));
