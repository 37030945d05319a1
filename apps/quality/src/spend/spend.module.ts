import { Module } from '@nestjs/common';
import { SpendController } from './spend.controller.js';
import { SpendService } from './spend.service.js';

@Module({
  controllers: [SpendController],
  providers: [SpendService],
})
export class SpendModule {}
