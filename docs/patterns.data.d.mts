export interface PatternRow {
  id: string;
  name: string;
  service?: string;
  status: 'built' | 'partial' | 'not built';
  code: string[];
  proof: string[];
  notes?: string;
  cost?: string;
}
export const patterns: PatternRow[];
export const practices: PatternRow[];
