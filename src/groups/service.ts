// Groups are tenants. They are created by operators (CLI), never through the API.
import { isUniqueViolation } from '../db/limits.ts';
import { AppError, InputError, notFound } from '../errors.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export interface Group {
  id: string;
  name: string;
  createdAt: Date;
}

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,62}$/u;

export class GroupService {
  constructor(private readonly prisma: PrismaClient) {}

  async create(name: string): Promise<Group> {
    if (!NAME.test(name)) {
      throw InputError.at(['name'], 'must be 1-63 letters, digits, spaces, dots, dashes or underscores');
    }
    // The unique name decides: two creations at once cannot both succeed.
    try {
      return await this.prisma.group.create({
        data: { name },
        select: { id: true, name: true, createdAt: true },
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('CONFLICT', `A group named "${name}" already exists`);
      throw error;
    }
  }

  list(): Promise<Group[]> {
    return this.prisma.group.findMany({
      orderBy: { name: 'asc' },
      select: { id: true, name: true, createdAt: true },
    });
  }

  async byName(name: string): Promise<Group> {
    const group = await this.prisma.group.findUnique({ where: { name } });
    if (!group) throw notFound(`No group named "${name}"`);
    return group;
  }
}
