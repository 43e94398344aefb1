import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModelService } from '../src/node/providers/model-service';
import { createOfflineProvider } from '../src/node/providers/offline';
import { openRetrievalStore, type RetrievalStore } from '../src/node/retrieval/store';

let dir: string;
let store: RetrievalStore;
const models = createModelService({ offline: createOfflineProvider() });
const open = () => openRetrievalStore({ dataDir: join(dir, 'data'), models });
const file = (name: string, text: string) => {
  writeFileSync(join(dir, 'files', name), text);
  return join(dir, 'files', name);
};
const ids = async (index: string, query: string) => (await store.search(index, query, { topK: 10, mode: 'keyword' })).map((d) => d.id);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-keyword-text-'));
  mkdirSync(join(dir, 'files'));
  store = open();
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('keyword search: invisible characters', () => {
  it('finds a word that pasted text split with a zero-width space, joiner, non-joiner, BOM or soft hyphen, and queries may hold them too', async () => {
    const pasted = file('pasted.md', 'Reset your pass\u00ADword from the sign\u200Bin page.\n\nThe dim\uFEFFmer has four levels; wire\u200Dless charging and blue\u200Ctooth pairing.');
    const plain = file('plain.md', 'Checkout uses the cart page.');
    await store.ingestFiles('pasted', [pasted, plain]);
    for (const word of ['password', 'signin', 'dimmer', 'wireless', 'bluetooth']) expect(await ids('pasted', word)).toEqual([pasted]);
    expect(await ids('pasted', 'pass\u200Bword')).toEqual([pasted]);
    expect(await ids('pasted', 'check\u00ADout')).toEqual([plain]);
    // Only the index's words change: the text comes back as it was written.
    expect((await store.search('pasted', 'password', { topK: 1, mode: 'keyword' }))[0].text).toContain('pass\u00ADword');
  });

  it('re-reads the keyword index of a file written before, so its words are found and replacing a document still works', async () => {
    const pasted = file('pasted.md', 'Reset your pass\u00ADword here.');
    await store.ingestFiles('old', [pasted, file('other.md', 'Gift cards never expire.')]);
    store.close();
    // As an earlier version left it: the keyword index holds the text as written.
    const db = new Database(join(dir, 'data', 'retrieval.sqlite'));
    const { id } = db.prepare('SELECT id FROM indexes WHERE name = ?').get('old') as { id: number };
    db.exec(`INSERT INTO fts_${id} (fts_${id}) VALUES ('rebuild'); PRAGMA user_version = 0`);
    db.close();
    store = open();
    // Re-read in the background from the open (searches meanwhile answer from the old words).
    await store.upgraded();
    expect(await ids('old', 'password')).toEqual([pasted]);
    writeFileSync(pasted, 'Reset your PIN here.');
    await store.ingestFiles('old', [pasted]);
    expect(await ids('old', 'password')).toEqual([]);
    expect(await ids('old', 'pin')).toEqual([pasted]);
    expect(await ids('old', 'gift')).toEqual([join(dir, 'files', 'other.md')]);
  });
});

describe('keyword search: compatibility forms', () => {
  it('finds full-width Latin, half-width katakana and ligatures by their ordinary letters, and the other way round', async () => {
    const wide = file('wide.md', 'Ｒｅｓｅｔ your ｐａｓｓｗｏｒｄ in the ﾊﾟｽﾜｰﾄﾞ menu; see the ﬁle.');
    const plain = file('plain.md', 'Checkout uses the cart page.');
    await store.ingestFiles('wide', [wide, plain]);
    expect(await ids('wide', 'password')).toEqual([wide]);
    expect(await ids('wide', 'パスワード')).toEqual([wide]);
    expect(await ids('wide', 'file')).toEqual([wide]);
    expect(await ids('wide', 'ｃａｒｔ')).toEqual([plain]);
  });
});

describe('keyword search: Chinese, Japanese and Korean', () => {
  const corpus = () => {
    mkdirSync(join(dir, 'files', 'zh'));
    mkdirSync(join(dir, 'files', 'ja'));
    mkdirSync(join(dir, 'files', 'ko'));
    return {
      zhPassword: file('zh/password.md', '# 账户\n\n如何重置密码：打开登录页面，点击“忘记密码”，重置链接会发送到您的邮箱。'),
      zhShipping: file('zh/shipping.md', '标准配送需要三到七天，加急配送两天内送达。'),
      zhWarranty: file('zh/warranty.md', '每盏台灯都有两年保修，涵盖材料和工艺缺陷。'),
      jaPassword: file('ja/password.md', 'パスワードを再設定するには、ログインページで「パスワードをお忘れですか」を選んでください。'),
      jaShipping: file('ja/shipping.md', '通常配送は三日から七日かかります。お急ぎ便は二日で届きます。'),
      koPassword: file('ko/password.md', '비밀번호를 재설정하려면 로그인 페이지를 여세요.'),
      english: file('en.md', 'Reset your Wi-Fi password from the router page.'),
    };
  };

  it('finds words inside unspaced text by character bigrams, for documents and queries alike', async () => {
    const f = corpus();
    await store.ingestFiles('cjk', Object.values(f));
    expect(await ids('cjk', '密码')).toEqual([f.zhPassword]);
    expect((await ids('cjk', '怎么重置密码'))[0]).toBe(f.zhPassword);
    expect(await ids('cjk', '保修多久')).toEqual([f.zhWarranty]);
    expect(new Set(await ids('cjk', '配送'))).toEqual(new Set([f.zhShipping, f.jaShipping]));
    expect(await ids('cjk', 'パスワード')).toEqual([f.jaPassword]);
    expect(await ids('cjk', '再設定')).toEqual([f.jaPassword]);
    expect(await ids('cjk', 'お急ぎ便')).toEqual([f.jaShipping]);
    expect(await ids('cjk', '비밀번호')).toEqual([f.koPassword]);
    // Latin words next to Han are their own words, on either side.
    expect(new Set(await ids('cjk', 'Wi-Fi密码'))).toEqual(new Set([f.english, f.zhPassword]));
    expect(await ids('cjk', '郵便')).toEqual([]);
    expect((await store.search('cjk', '密码', { topK: 1, mode: 'keyword' }))[0].text).toContain('如何重置密码');
  });

  it('finds Chinese text in a file indexed before, once it is opened again', async () => {
    const f = corpus();
    await store.ingestFiles('old', [f.zhPassword, f.zhShipping]);
    store.close();
    const db = new Database(join(dir, 'data', 'retrieval.sqlite'));
    const { id } = db.prepare('SELECT id FROM indexes WHERE name = ?').get('old') as { id: number };
    db.exec(`INSERT INTO fts_${id} (fts_${id}) VALUES ('rebuild'); PRAGMA user_version = 1`);
    db.close();
    store = open();
    await store.upgraded();
    expect(await ids('old', '密码')).toEqual([f.zhPassword]);
  });
});
