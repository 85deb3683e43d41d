/**
 * Types of the issuer registry: the central bodies that issue notices.
 * @module
 */
import type { SectorCode } from '../domain/sector.js';

/** What kind of body an issuer is; used for display grouping and to explain `parent`. */
export type IssuerKind =
  | 'state_council' // 国务院
  | 'office' // 办公厅 / 办公室 of a body (has a parent)
  | 'ministry' // 国务院组成部门 (部, 委, 行, 署)
  | 'special_agency' // 国务院直属特设机构 (国资委)
  | 'agency' // 国务院直属机构 (总局, 国家局 directly under the State Council)
  | 'administration' // 部委管理的国家局 (国家能源局 under NDRC …)
  | 'institution' // 国务院直属事业单位 (中国科学院, 中国气象局 …)
  | 'commission' // 议事协调机构 / 委员会 (国务院关税税则委员会, 国务院安委会 …)
  | 'party' // 中共中央 and its departments that co-issue (中央宣传部, 中央网信办 …)
  | 'legislature' // 全国人大常委会
  | 'judicial' // 最高人民法院, 最高人民检察院
  | 'military' // 中央军委 bodies
  | 'organization'; // people's organisations (中国科协, 全国总工会, 共青团中央 …)

/** One seed entry of the issuer registry. `nameZh` is the form the gov.cn library uses in 发文机关. */
export interface IssuerSeed {
  /** Canonical Chinese name: exactly as the gov.cn policy library writes it in 发文机关 (e.g. 国家发展改革委). */
  nameZh: string;
  /** Other names pages use: full official name, common abbreviations, former names. Never another body's name. */
  aliases: string[];
  /** `nameZh` of the parent body (国务院办公厅 → 国务院; 国家能源局 → 国家发展改革委), or null. */
  parent: string | null;
  kind: IssuerKind;
  /** Official / customary Korean name (국가발전개혁위원회, 국무원 판공청 …). */
  nameKo: string;
  /** Official English name (National Development and Reform Commission …). */
  nameEn: string;
  /** Sectors this body's notices usually concern (NHSA → health); empty for general bodies. */
  sectors: SectorCode[];
}
